/* The dashboard's charts, drawn by ECharts from the figures the page embeds as JSON.
   Amounts arrive as exact yuan strings; they become numbers of 万元 only to size the bars. */
(function () {
  "use strict";

  function wan(yuan) {
    return Number(String(yuan).replace(/,/g, "")) / 10000;
  }

  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) { return; }
    var chart = window.echarts.init(el);
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var node = document.getElementById("dashboard-data");
    if (!node) { return; }
    var data = JSON.parse(node.textContent);
    var months = data.months.map(function (m) { return m.month; });
    function series(name, key, type) {
      return { name: name, type: type, data: data.months.map(function (m) { return wan(m[key]).toFixed(2); }) };
    }
    var axis = { type: "category", data: months };
    var common = { tooltip: { trigger: "axis" }, grid: { left: 60, right: 20, top: 40, bottom: 30 }, yAxis: { type: "value" } };
    draw("chart-flows", Object.assign({}, common, {
      legend: { data: ["缴存额", "提取额", "贷款发放额"] },
      xAxis: axis,
      series: [series("缴存额", "contributions", "bar"), series("提取额", "withdrawals", "bar"),
               series("贷款发放额", "loans_disbursed", "bar")]
    }));
    draw("chart-balances", Object.assign({}, common, {
      legend: { data: ["缴存余额", "贷款余额"] },
      xAxis: axis,
      series: [series("缴存余额", "deposits_balance", "line"), series("贷款余额", "loans_balance", "line")]
    }));
  });
})();
